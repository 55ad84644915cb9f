"""Read models of what went wrong: hazards (隐患), maintenance anomalies (维保异常) and rescue
incidents (困人救援), built from the hazard, maintenance and rescue topics."""
