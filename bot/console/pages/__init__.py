"""The staff web console's routes (`/console/...`), one module per resource."""
