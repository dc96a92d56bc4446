"""The closed loop: report → classify & dispatch → handle → follow-up → evaluate & close."""
