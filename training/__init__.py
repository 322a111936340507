"""Turning traces into preference pairs and training the student with DPO + LoRA (issues #3, #4)."""
