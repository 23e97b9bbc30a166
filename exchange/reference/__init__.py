"""Reference data: regions, transformation plans, action lines, themes, cycle phases and the fund."""
