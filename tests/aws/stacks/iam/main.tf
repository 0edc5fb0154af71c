# Oracle stack for the IAM and KMS readers: every emitted type in several shapes (minimal, fully
# specified, tagged, nested blocks, optional+computed left unset). Applied to moto by
# tests/aws/test_iam_kms_oracle.py, changed out of band, refreshed, and compared with the readers.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

locals {
  ec2_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

# ---------------------------------------------------------------- managed policies

resource "aws_iam_policy" "min" {
  name = "min"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:ListAllMyBuckets", Resource = "*" }]
  })
}

resource "aws_iam_policy" "full" {
  name        = "full"
  path        = "/app/"
  description = "reads the app bucket"
  # Whitespace, key order and a string-or-list mix, as people write it by hand.
  policy = <<-JSON
    {
      "Statement": [
        {
          "Sid": "Read",
          "Resource": ["arn:aws:s3:::app", "arn:aws:s3:::app/*"],
          "Action": ["s3:GetObject", "s3:ListBucket"],
          "Effect": "Allow",
          "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a&b <x>"}}
        }
      ],
      "Version": "2012-10-17"
    }
  JSON
  tags = {
    Env  = "test"
    Team = "platform"
  }
}

resource "aws_iam_policy" "prefixed" {
  name_prefix = "pfx-"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = "iam:*", Resource = "*" }]
  })
}

resource "aws_iam_policy" "boundary" {
  name = "boundary"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:*", "logs:*"], Resource = "*" }]
  })
}

# ---------------------------------------------------------------- roles

resource "aws_iam_role" "min" {
  name               = "min"
  assume_role_policy = local.ec2_trust
}

resource "aws_iam_role" "full" {
  name                 = "full"
  path                 = "/app/"
  description          = "the app role"
  max_session_duration = 7200
  permissions_boundary = aws_iam_policy.boundary.arn
  force_detach_policies = true
  assume_role_policy   = <<-JSON
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]},
          "Action": "sts:AssumeRole"
        }
      ]
    }
  JSON
  inline_policy {
    name = "logs"
    policy = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "*" }]
    })
  }
  inline_policy {
    name = "sqs"
    policy = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }]
    })
  }
  tags = {
    Name = "full"
    Env  = "test"
  }
}

resource "aws_iam_role" "prefixed" {
  name_prefix        = "app-"
  assume_role_policy = local.ec2_trust
  tags               = { Owner = "ops" }
}

resource "aws_iam_role" "exclusive" {
  name                = "exclusive"
  assume_role_policy  = local.ec2_trust
  managed_policy_arns = [aws_iam_policy.min.arn, aws_iam_policy.prefixed.arn]
}

resource "aws_iam_role" "attached" {
  name               = "attached"
  assume_role_policy = local.ec2_trust
}

resource "aws_iam_role" "gone" {
  name               = "gone"
  assume_role_policy = local.ec2_trust
}

# ---------------------------------------------------------------- inline role policies

resource "aws_iam_role_policy" "named" {
  name = "named"
  role = aws_iam_role.attached.id
  # Version last: the provider moves it first ("legacy" normalisation).
  policy = <<-JSON
    {"Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],
     "Version": "2012-10-17"}
  JSON
}

resource "aws_iam_role_policy" "prefixed" {
  name_prefix = "inl-"
  role        = aws_iam_role.min.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "kms:Decrypt", Resource = aws_kms_key.full.arn }]
  })
}

resource "aws_iam_role_policy" "removed" {
  name   = "removed"
  role   = aws_iam_role.attached.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sns:Publish", Resource = "*" }] })
}

# ---------------------------------------------------------------- policy attachments

resource "aws_iam_role_policy_attachment" "local" {
  role       = aws_iam_role.attached.name
  policy_arn = aws_iam_policy.full.arn
}

resource "aws_iam_role_policy_attachment" "aws_managed" {
  role       = aws_iam_role.attached.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy_attachment" "detached" {
  role       = aws_iam_role.min.name
  policy_arn = aws_iam_policy.min.arn
}

# ---------------------------------------------------------------- KMS keys

resource "aws_kms_key" "min" {}

resource "aws_kms_key" "full" {
  description             = "app data"
  enable_key_rotation     = true
  rotation_period_in_days = 180
  deletion_window_in_days = 7
  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "key-policy"
    Statement = [{
      Sid       = "Root"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
  tags = {
    Name = "full"
    Env  = "test"
  }
}

resource "aws_kms_key" "disabled" {
  description = "switched off"
  is_enabled  = false
}

resource "aws_kms_key" "signing" {
  description              = "signs things"
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
}

resource "aws_kms_key" "multi" {
  description  = "multi-region primary"
  multi_region = true
}

resource "aws_kms_key" "doomed" {
  description = "scheduled for deletion out of band"
}
