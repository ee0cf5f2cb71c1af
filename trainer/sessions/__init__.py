"""What is kept: the session format, recording, reading back."""
