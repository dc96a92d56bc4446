"""HTTP helpers shared by every domain's routes and the pages, below the domains: the error
format, rate limits, pagination and the request's clock."""
