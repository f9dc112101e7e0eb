"""One line per figure, for the UI to print next to it: range, direction and meaning."""

from __future__ import annotations

from embedlens.i18n import N_, Translated

_INFO: dict[str, str] = {
    "silhouette_cosine": N_(
        "Silhouette (cosine): -1..1, higher is better: points sit closer to their own cluster "
        "than to the next one."
    ),
    "silhouette_euclidean": N_(
        "Silhouette (euclidean): -1..1, higher is better: points sit closer to their own cluster "
        "than to the next one."
    ),
    "silhouette": N_(
        "Silhouette (cosine) of the given labels: -1..1, higher is better: same-label points sit "
        "closer together than to other labels."
    ),
    "davies_bouldin": N_(
        "Davies-Bouldin: 0 or more, lower is better: clusters are compact relative to the "
        "distance between them."
    ),
    "calinski_harabasz": N_(
        "Calinski-Harabasz: 0 or more, higher is better: between-cluster spread over "
        "within-cluster spread."
    ),
    "mean_intra_distance": N_(
        "Mean intra-cluster distance: mean euclidean distance of a point to its cluster's "
        "centroid; lower means tighter clusters."
    ),
    "mean_inter_distance": N_(
        "Mean inter-cluster distance: mean euclidean distance between cluster centroids; higher "
        "means clusters lie further apart."
    ),
    "purity": N_(
        "Purity: 0..1, higher is better: share of points whose cluster's majority label is "
        "their own label."
    ),
    "nmi": N_(
        "NMI: 0..1, higher is better: how much knowing the cluster tells you about the label "
        "(1 = the same partition)."
    ),
    "ari": N_(
        "Adjusted Rand index: -0.5..1, higher is better: pair agreement between clusters and "
        "labels, 0 = chance."
    ),
    "trustworthiness": N_(
        "Trustworthiness: 0..1, higher is better: neighbours on the map are also neighbours in "
        "the original space (few false neighbours)."
    ),
    "continuity": N_(
        "Continuity: 0..1, higher is better: neighbours in the original space stay neighbours "
        "on the map (few torn-apart neighbours)."
    ),
    "neighbor_preservation": N_(
        "Neighbour preservation: 0..1 per point, higher is better: share of a point's k "
        "original-space neighbours that are also its k map neighbours."
    ),
    "knn_accuracy": N_(
        "k-NN accuracy: 0..1, higher is better: share of points whose 10 nearest (cosine) "
        "neighbours vote for their true label (5-fold CV)."
    ),
    "knn_recall_macro": N_(
        "k-NN macro recall: 0..1, higher is better: the k-NN recall averaged over classes, so "
        "small classes count as much as big ones."
    ),
    "logreg_accuracy": N_(
        "Logistic-regression accuracy: 0..1, higher is better: how well a linear classifier "
        "separates the labels (5-fold CV)."
    ),
    "logreg_recall_macro": N_(
        "Logistic-regression macro recall: 0..1, higher is better: recall averaged over classes."
    ),
    "kl_ab": N_(
        "KL(A||B) in bits: 0 or more, 0 = same distribution: extra bits to describe group A "
        "with group B's histogram (not symmetric)."
    ),
    "kl_ba": N_(
        "KL(B||A) in bits: 0 or more, 0 = same distribution: extra bits to describe group B "
        "with group A's histogram (not symmetric)."
    ),
    "js": N_(
        "Jensen-Shannon divergence (base 2): 0..1, 0 = same distribution, 1 = no overlap at "
        "all; symmetric."
    ),
    "spearman": N_(
        "Spearman correlation: -1..1, higher is better: the model ranks pairs in the same "
        "order as the human scores."
    ),
    "pearson": N_(
        "Pearson correlation: -1..1, higher is better: the model's scores rise linearly with "
        "the human scores."
    ),
    "accuracy": N_(
        "Analogy accuracy: 0..1, higher is better: share of a:b :: c:? questions whose best "
        "answer (3CosAdd) is the expected word."
    ),
    "coverage": N_(
        "Coverage: 0..1: share of the test items whose words are all in the vocabulary; only "
        "those are scored."
    ),
}
METRIC_INFO: dict[str, str] = Translated(_INFO)  # looked-up values are translated
