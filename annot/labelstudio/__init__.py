"""Label Studio, both ways: the labeling config from the schema, articles to tasks, the server, exports to gold.

`client` is the only module that talks to a server (through label-studio-sdk).
"""
