"""The synthetic demo city of Dongguan: real towns, generated everything below them."""
