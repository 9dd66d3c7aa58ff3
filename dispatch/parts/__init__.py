"""Spare parts: catalog, stock locations, the double-entry ledger and its documents, old parts
back, write-offs, the monthly close and supplier claims."""
