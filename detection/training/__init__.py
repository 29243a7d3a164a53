"""Training code for the trained spam/toxicity detectors (``manage.py train_detectors``).

Training needs scikit-learn and scipy (see ``docs/model-card.md``); scoring
(``detection.classifiers.model``) needs only numpy.
"""
