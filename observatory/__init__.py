"""The observatory: the indicators cube computed from the published graph (``cube``), and the
dashboard's figures computed from query solutions (``figures``). It runs no web route; the
dashboard's routes in ``endpoint.observatory`` are shells over it.
"""
