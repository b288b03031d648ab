"""Keypoint dataset descriptions, one file per dataset (mmpose's ``dataset_info`` format)."""
