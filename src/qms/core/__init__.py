"""What every layer of qms uses: errors, translations, number and date formatting,
the located YAML loader, shipped resources, Excel-safe text and file hashes.

`qms.core` imports no other qms package, so any package may import it.
"""
