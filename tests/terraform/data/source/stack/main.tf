terraform {
  required_version = ">= 1.5"
}

# The log bucket.
resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"

  tags = {
    Env  = "prod"
    Team = var.team
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"]
}

module "net" {
  source   = "./modules/net"
  for_each = toset(["a", "b"])

  cidr = "10.0.0.0/16"
}

module "net_copy" {
  source = "./modules/net"
  cidr   = "10.1.0.0/16"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
