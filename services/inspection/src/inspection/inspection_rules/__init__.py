"""Inspection-interval rules (定期检验周期): the table, who may change it, and the due dates."""
