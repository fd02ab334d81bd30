"""Customer dedupe: normalise, block, score and cluster customers into golden IDs."""
