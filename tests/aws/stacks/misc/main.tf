# Oracle stack for the EKS, ACM, Lambda permission and S3 ACL / lifecycle readers: each type
# in a minimal and a fuller shape, plus instances the out-of-band changes delete. Applied to
# moto by tests/aws/test_misc_oracle.py, changed out of band, refreshed, and compared with the
# readers. The test writes fn.zip, cert.pem and key.pem (a throwaway self-signed certificate),
# and creates the lifecycle bucket before the apply (see the import blocks below).

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

# ---------------------------------------------------------------- eks

# moto checks neither the role nor the subnets: literals keep the stack small.
locals {
  eks_role   = "arn:aws:iam::123456789012:role/misc-eks"
  eks_subnet = ["subnet-0a0000000000000a1", "subnet-0b0000000000000b2"]
}

resource "aws_eks_cluster" "min" {
  name     = "misc-min"
  role_arn = local.eks_role
  vpc_config {
    subnet_ids = local.eks_subnet
  }
}

resource "aws_eks_cluster" "full" {
  name                      = "misc-full"
  role_arn                  = local.eks_role
  version                   = "1.29"
  enabled_cluster_log_types = ["api", "audit"]

  vpc_config {
    subnet_ids              = local.eks_subnet
    endpoint_private_access = true
    endpoint_public_access  = true
    public_access_cidrs     = ["203.0.113.0/24"]
  }

  kubernetes_network_config {
    service_ipv4_cidr = "172.20.0.0/16"
  }

  tags = {
    Env  = "prod"
    Team = "platform"
  }
}

resource "aws_eks_node_group" "workers" {
  cluster_name    = aws_eks_cluster.full.name
  node_group_name = "workers"
  node_role_arn   = "arn:aws:iam::123456789012:role/misc-nodes"
  subnet_ids      = local.eks_subnet
  instance_types  = ["t3.large"]

  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 1
  }

  labels = {
    tier = "app"
  }

  tags = {
    Env = "prod"
  }
}

resource "aws_eks_cluster" "doomed" {
  name     = "misc-doomed"
  role_arn = local.eks_role
  vpc_config {
    subnet_ids = local.eks_subnet
  }
}

# ---------------------------------------------------------------- acm

resource "aws_acm_certificate" "imported" {
  private_key      = file("key.pem")
  certificate_body = file("cert.pem")
  tags = {
    Env = "prod"
  }
}

resource "aws_acm_certificate" "requested" {
  domain_name               = "app.example.com"
  subject_alternative_names = ["www.app.example.com"]
  validation_method         = "DNS"
}

# ---------------------------------------------------------------- lambda permission

resource "aws_iam_role" "lambda" {
  name = "misc-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_lambda_function" "fn" {
  function_name = "misc-fn"
  role          = aws_iam_role.lambda.arn
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "fn.zip"
}

resource "aws_lambda_permission" "s3" {
  statement_id   = "AllowS3"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.fn.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.data.arn
  source_account = "123456789012"
}

resource "aws_lambda_permission" "events" {
  statement_id  = "AllowEvents"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  principal     = "events.amazonaws.com"
}

resource "aws_lambda_permission" "doomed" {
  statement_id  = "AllowSns"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.arn
  principal     = "sns.amazonaws.com"
}

# ---------------------------------------------------------------- s3

resource "aws_s3_bucket" "data" {
  bucket = "misc-data"
}

# Created by the test and imported (an import is the provider's read): the provider's create
# waits ~55 s for moto to echo a transition_default_minimum_object_size it never returns.
import {
  to = aws_s3_bucket.lifecycle
  id = "misc-lifecycle"
}

import {
  to = aws_s3_bucket_lifecycle_configuration.lifecycle
  id = "misc-lifecycle"
}

resource "aws_s3_bucket" "lifecycle" {
  bucket = "misc-lifecycle"
}

resource "aws_s3_bucket_lifecycle_configuration" "lifecycle" {
  bucket = aws_s3_bucket.lifecycle.id

  rule {
    id     = "expire-logs"
    status = "Enabled"
    filter {
      prefix = "logs/"
    }
    expiration {
      days = 30
    }
  }

  rule {
    id     = "archive"
    status = "Enabled"
    filter {
      prefix = "archive/"
    }
    transition {
      days          = 60
      storage_class = "GLACIER"
    }
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "misc-logs"
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_acl" "logs" {
  depends_on = [aws_s3_bucket_ownership_controls.logs]
  bucket     = aws_s3_bucket.logs.id
  acl        = "private"
}
