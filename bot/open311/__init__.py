"""The Open311 GeoReport v2 API (`/open311/v2/`): other civic tools read tickets and file them.

`services` says which complaint categories are offered, `mapping` turns a ticket into a public
service request (no personal data), `reading` answers the GET endpoints, `filing` turns a POST into
a ticket routed exactly like one from chat. The router is `bot.open311.routes`.
"""
