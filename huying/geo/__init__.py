"""The city map: city → area → town → community → grid, with polygons."""
