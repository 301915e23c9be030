"""Linking: the one rule of when two records are the same place (``places``), and the links
between spaces that several sources describe (``matching``). Pure: it is given places, and the
caller reads them from the store and writes the links.
"""
