"""The due schedule (定期检验到期) and its three-step workflow: reminder, warning, overdue."""
