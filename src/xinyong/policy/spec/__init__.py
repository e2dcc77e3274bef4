"""policy/spec"""
