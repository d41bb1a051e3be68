"""The search engine's pure logic: text analysis, lexical and code relevance, fusion, reasons.

Nothing here imports Django: plain values in, plain results out.
"""
