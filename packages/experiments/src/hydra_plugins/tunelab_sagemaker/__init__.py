"""`hydra/launcher=sagemaker`: a sweep's experiments as SageMaker training jobs."""
