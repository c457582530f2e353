"""The OMS wire format, pure: the bodies the real service writes (the envelope, the field
names of each project kind), so that the web layer, the recorder and the strategies write
them one way."""
