"""HTTP front: the JSON API, help pages, the chat widget and the agents' search page."""
