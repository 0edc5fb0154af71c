# Oracle stack for the application-service readers (Lambda, ECR, Route53, DynamoDB): each type
# in several shapes (minimal, fully specified, tagged, nested blocks, optional+computed left
# unset). Applied to moto by tests/aws/test_app_oracle.py, changed out of band, refreshed, and
# compared with the readers. The test writes fn.zip (the functions' code) next to this file.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

# ---------------------------------------------------------------- lambda

resource "aws_iam_role" "lambda" {
  name = "app-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_lambda_function" "min" {
  function_name    = "app-min"
  role             = aws_iam_role.lambda.arn
  handler          = "index.handler"
  runtime          = "python3.12"
  filename         = "fn.zip"
  source_code_hash = filebase64sha256("fn.zip")
  publish          = true # version "1": the provider reads the last listed version
}

resource "aws_lambda_function" "full" {
  function_name                  = "app-full"
  description                    = "handles orders"
  role                           = aws_iam_role.lambda.arn
  handler                        = "index.handler"
  runtime                        = "python3.12"
  filename                       = "fn.zip"
  memory_size                    = 256
  timeout                        = 30
  reserved_concurrent_executions = 5
  architectures                  = ["arm64"]

  environment {
    variables = {
      STAGE = "prod"
      LEVEL = "info"
    }
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = "arn:aws:sqs:us-east-1:123456789012:app-dlq"
  }

  tags = {
    Env  = "prod"
    Team = "orders"
  }
}

resource "aws_lambda_function" "doomed" {
  function_name = "app-doomed"
  role          = aws_iam_role.lambda.arn
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "fn.zip"
}

# ---------------------------------------------------------------- ecr

resource "aws_ecr_repository" "min" {
  name = "app/min"
}

resource "aws_ecr_repository" "full" {
  name                 = "app/full"
  image_tag_mutability = "IMMUTABLE"
  force_delete         = true

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }

  tags = {
    Env = "prod"
  }
}

resource "aws_ecr_repository" "doomed" {
  name = "app/doomed"
}

# ---------------------------------------------------------------- route53

resource "aws_route53_zone" "public" {
  name    = "example.com"
  comment = "public zone"
  tags = {
    Env = "prod"
  }
}

resource "aws_route53_zone" "min" {
  name = "min.example.org."
}

# Full name, short name, several values, TXT quoting, weighted routing with a set identifier,
# an alias.
resource "aws_route53_record" "www" {
  zone_id = aws_route53_zone.public.zone_id
  name    = "www.example.com"
  type    = "A"
  ttl     = 300
  records = ["192.0.2.10", "192.0.2.11"]
}

resource "aws_route53_record" "short" {
  zone_id = aws_route53_zone.public.zone_id
  name    = "api"
  type    = "CNAME"
  ttl     = 60
  records = ["www.example.com"]
}

resource "aws_route53_record" "txt" {
  zone_id = aws_route53_zone.public.zone_id
  name    = "example.com"
  type    = "TXT"
  ttl     = 300
  records = ["v=spf1 -all"]
}

resource "aws_route53_record" "weighted" {
  zone_id        = aws_route53_zone.public.zone_id
  name           = "w.example.com"
  type           = "A"
  ttl            = 60
  set_identifier = "blue"
  records        = ["192.0.2.20"]

  weighted_routing_policy {
    weight = 10
  }
}

resource "aws_route53_record" "alias" {
  zone_id = aws_route53_zone.min.zone_id
  name    = "min.example.org"
  type    = "A"

  alias {
    name                   = "dualstack.my-lb-123.us-east-1.elb.amazonaws.com."
    zone_id                = "Z35SXDOTRQ7X7K"
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "doomed" {
  zone_id = aws_route53_zone.min.zone_id
  name    = "gone.min.example.org"
  type    = "A"
  ttl     = 300
  records = ["192.0.2.30"]
}

# ---------------------------------------------------------------- dynamodb

resource "aws_dynamodb_table" "min" {
  name         = "app-min"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_dynamodb_table" "full" {
  name           = "app-orders"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 5
  hash_key       = "customer"
  range_key      = "order"

  attribute {
    name = "customer"
    type = "S"
  }

  attribute {
    name = "order"
    type = "S"
  }

  attribute {
    name = "status"
    type = "S"
  }

  global_secondary_index {
    name               = "by-status"
    hash_key           = "status"
    projection_type    = "INCLUDE"
    non_key_attributes = ["total"]
    read_capacity      = 2
    write_capacity     = 2
  }

  point_in_time_recovery {
    enabled = true
  }

  ttl {
    attribute_name = "expires"
    enabled        = true
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  tags = {
    Env = "prod"
  }
}

resource "aws_dynamodb_table" "doomed" {
  name         = "app-doomed"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }
}

# ---------------------------------------------------------------- sns / sqs

resource "aws_sns_topic" "min" {
  name = "app-events"
}

resource "aws_sns_topic" "full" {
  name         = "app-alerts"
  display_name = "Alerts"
  tags = {
    Env = "prod"
  }
}

resource "aws_sns_topic" "doomed" {
  name = "app-doomed"
}

resource "aws_sqs_queue" "dlq" {
  name = "app-dlq"
}

resource "aws_sqs_queue" "full" {
  name                       = "app-jobs"
  delay_seconds              = 5
  visibility_timeout_seconds = 60
  message_retention_seconds  = 86400
  receive_wait_time_seconds  = 10
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 3
  })
  tags = {
    Env = "prod"
  }
}

resource "aws_sqs_queue" "fifo" {
  name_prefix                 = "app-"
  fifo_queue                  = true
  content_based_deduplication = true
}

resource "aws_sqs_queue" "doomed" {
  name = "app-doomed"
}

# ---------------------------------------------------------------- kms aliases

resource "aws_kms_key" "app" {
  description = "app data"
}

resource "aws_kms_key" "spare" {
  description = "spare"
}

resource "aws_kms_alias" "app" {
  name          = "alias/app"
  target_key_id = aws_kms_key.app.key_id
}

resource "aws_kms_alias" "prefixed" {
  name_prefix   = "alias/app-"
  target_key_id = aws_kms_key.app.arn
}

resource "aws_kms_alias" "doomed" {
  name          = "alias/app-doomed"
  target_key_id = aws_kms_key.spare.key_id
}

# ---------------------------------------------------------------- ssm parameters

resource "aws_ssm_parameter" "plain" {
  name        = "/app/endpoint"
  type        = "String"
  value       = "https://api.example.com"
  description = "where the API lives"
  tags = {
    Env = "prod"
  }
}

resource "aws_ssm_parameter" "list" {
  name  = "/app/zones"
  type  = "StringList"
  value = "a,b,c"
}

resource "aws_ssm_parameter" "secret" {
  name  = "/app/db-password"
  type  = "SecureString"
  value = "not-a-real-password"
}

resource "aws_ssm_parameter" "doomed" {
  name  = "/app/doomed"
  type  = "String"
  value = "x"
}

# ---------------------------------------------------------------- secrets manager

resource "aws_secretsmanager_secret" "min" {
  name                    = "app/min"
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret" "full" {
  name                    = "app/db"
  description             = "database credentials"
  recovery_window_in_days = 0
  tags = {
    Env = "prod"
  }
}

resource "aws_secretsmanager_secret" "doomed" {
  name                    = "app/doomed"
  recovery_window_in_days = 0
}

# ---------------------------------------------------------------- cloudwatch alarms

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "app-errors"
  alarm_description   = "lambda errors"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 2
  metric_name         = "Errors"
  namespace           = "AWS/Lambda"
  period              = 60
  statistic           = "Sum"
  threshold           = 1
  alarm_actions       = [aws_sns_topic.full.arn]
  dimensions = {
    FunctionName = "app-full"
  }
  tags = {
    Env = "prod"
  }
}

resource "aws_cloudwatch_metric_alarm" "doomed" {
  alarm_name          = "app-doomed"
  comparison_operator = "LessThanThreshold"
  evaluation_periods  = 1
  metric_name         = "Invocations"
  namespace           = "AWS/Lambda"
  period              = 300
  statistic           = "Average"
  threshold           = 0.5
}
