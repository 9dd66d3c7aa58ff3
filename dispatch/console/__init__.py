"""The dispatcher console: thin pages over the operations of the packages below."""
