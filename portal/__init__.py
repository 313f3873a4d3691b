"""The citizens' public portal (/citoyen/): faces only, it calls crisis, exchanges and consent."""
