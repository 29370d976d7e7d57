"""The DataFusion side of the query API: session, tables and the functions the dialect needs."""
