"""Where a report is: geocoding chain, zones, depots and distances."""
