"""Newtons -> where the weight is: centre of pressure, stillness, the estimator (layer 2)."""
