"""Card swipes (刷卡) of maintenance workers at elevators: the platform's hottest write path."""
