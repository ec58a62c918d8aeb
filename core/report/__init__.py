"""Take-away documents: the one-page case report (HTML and PDF) and the model card."""
