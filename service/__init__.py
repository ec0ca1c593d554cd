"""What sits around Rasa: the guarded REST channel, the private tracker store, the action server."""
