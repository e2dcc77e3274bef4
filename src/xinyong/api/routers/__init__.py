"""The API's routers, one per noun; each route names the roles that may call it."""
