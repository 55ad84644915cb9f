"""Local copies of the registry's elevators, maintenance contracts and personnel certificates,
kept from its snapshot topics: a swipe is judged against them without a call to the registry."""
