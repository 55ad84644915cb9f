"""Maintenance anomalies (维保异常): found when visits form, recorded and published, never a
rejection; the certificate-lending ones (借证挂靠) also raise a hazard signal."""
