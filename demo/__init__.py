"""Run the whole system on one machine: broker, hub, kiosks on simulated devices."""
