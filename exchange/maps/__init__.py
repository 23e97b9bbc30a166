"""The map of the 42 youth-care regions: geometry, map data per page, SVG and CSV rendering."""
