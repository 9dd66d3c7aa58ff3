"""The SMS pipe: gateways, the outbox, inbound webhooks."""
