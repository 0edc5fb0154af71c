# A deliberately insecure stack: checkov's findings on it are recorded as fixtures
# (tests/rules/data/checkov/*.json) and asserted by tests/rules/test_checkov.py.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_s3_bucket" "trail" {
  bucket = "driftpatch-checkov-trail"
}

resource "aws_cloudtrail" "main" {
  name           = "main"
  s3_bucket_name = aws_s3_bucket.trail.id
}

resource "aws_cloudwatch_log_group" "app" {
  name = "/app/web"
}

resource "aws_iam_account_password_policy" "weak" {
  minimum_password_length = 8
}

resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 8
}

module "net" {
  source = "./modules/net"
  cidr   = "10.10.0.0/16"
}

resource "aws_cloudwatch_log_group" "svc" {
  for_each          = toset(["api", "worker"])
  name              = "/svc/${each.key}"
  retention_in_days = 365
}
