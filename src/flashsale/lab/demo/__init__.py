"""``flashsale demo``: a Mi.com record day in miniature, with the brand's own figures."""
