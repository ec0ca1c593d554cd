"""Bring It Up's own logic, with no Rasa in it: reading a message (text, tidy, language),
keeping the client safe (safety rules, the semantic layer, screening), turning answers into a
message (realise, drafting, coaching), the order of the questions (flow) and the clinic's
settings (clinic). `actions/` (rasa_sdk), `components/` (Rasa NLU) and `service/` (the servers)
depend on this package; it depends on none of them."""
