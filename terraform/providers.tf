provider "aws" {
  region = var.region

  # Every resource gets these tags; they show up in each resource's tags_all, not in tags.
  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
