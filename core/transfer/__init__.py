"""Transfer: carry a stored model to another dataset (strategies, label-efficiency curve, domain shift)."""
