"""The organisation's promises measured: service timeliness, customer satisfaction, complaint rate."""
