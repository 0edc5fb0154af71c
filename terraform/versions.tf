terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  # Production keeps state in S3 with locking. The demo runs against an embedded AWS and keeps
  # local state, so the backend stays commented out here.
  # backend "s3" {
  #   bucket         = "acme-terraform-state"
  #   key            = "shop/staging/terraform.tfstate"
  #   region         = "us-east-1"
  #   dynamodb_table = "terraform-locks"
  #   encrypt        = true
  # }
}
