# The managed part of the root module the import proof runs in (tests/fix/test_imports_terraform.py):
# applied with Terraform first, then objects created beside it with boto3 refer to these, and
# the generated imports must refer back to them by address.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Name = "main"
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "managed-logs"
}

resource "aws_iam_role" "service" {
  name = "service"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = ["vpc-flow-logs.amazonaws.com", "config.amazonaws.com"] }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_kms_key" "main" {
  description = "managed key"
}
