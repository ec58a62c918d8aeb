"""What several threads share in one server process: a stored model (``shared_model``) and the one seeded turn
(``seeding``). Each rule lives inside its object, so no call site has to remember it."""
