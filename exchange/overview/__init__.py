"""The national overview (/overzicht): grouped queries, charts with tables, CSV downloads."""
