# Oracle stack for the load balancer readers (aws_elb, aws_lb/aws_alb, aws_lb_target_group/
# aws_alb_target_group, aws_lb_listener/aws_alb_listener): each type in several shapes (minimal,
# fully specified, tagged, nested blocks, optional+computed left unset). Applied to moto by
# tests/aws/test_elb_oracle.py, changed out of band, refreshed, and compared with the readers.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_security_group" "lb" {
  name   = "lb"
  vpc_id = aws_vpc.main.id
}

# ---------------------------------------------------------------- load balancers

resource "aws_lb" "min" {
  name    = "min"
  subnets = [aws_subnet.a.id, aws_subnet.b.id]
}

resource "aws_lb" "full" {
  name                       = "full"
  internal                   = true
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.lb.id]
  subnets                    = [aws_subnet.a.id, aws_subnet.b.id]
  idle_timeout               = 120
  enable_deletion_protection = false
  enable_http2               = false
  drop_invalid_header_fields = true
  tags = {
    Env  = "test"
    Team = "web"
  }
}

resource "aws_lb" "net" {
  name_prefix        = "net"
  load_balancer_type = "network"
  internal           = true
  subnets            = [aws_subnet.a.id]
  tags = {
    Env = "test"
  }
}

resource "aws_alb" "legacy" {
  name            = "legacy"
  security_groups = [aws_security_group.lb.id]
  subnets         = [aws_subnet.a.id, aws_subnet.b.id]
  tags = {
    Env = "old"
  }
}

# ---------------------------------------------------------------- target groups

resource "aws_lb_target_group" "min" {
  name     = "min"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}

resource "aws_lb_target_group" "full" {
  name                 = "full"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = aws_vpc.main.id
  deregistration_delay = 30
  slow_start           = 60
  health_check {
    enabled             = true
    path                = "/health"
    port                = "8080"
    protocol            = "HTTP"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 4
    matcher             = "200-299"
  }
  stickiness {
    type            = "lb_cookie"
    cookie_duration = 3600
    enabled         = true
  }
  tags = {
    Env = "test"
  }
}

resource "aws_lb_target_group" "tcp" {
  name_prefix = "tcp"
  port        = 443
  protocol    = "TCP"
  vpc_id      = aws_vpc.main.id
}

resource "aws_alb_target_group" "legacy" {
  name     = "legacy"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
  tags = {
    Env = "old"
  }
}

# ---------------------------------------------------------------- listeners

resource "aws_lb_listener" "forward" {
  load_balancer_arn = aws_lb.min.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.min.arn
  }
}

resource "aws_lb_listener" "fixed" {
  load_balancer_arn = aws_lb.full.arn
  port              = 8080
  protocol          = "HTTP"
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "nothing here"
      status_code  = "404"
    }
  }
  tags = {
    Env = "test"
  }
}

resource "aws_lb_listener" "redirect" {
  load_balancer_arn = aws_lb.full.arn
  port              = 81
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "tcp" {
  load_balancer_arn = aws_lb.net.arn
  port              = 443
  protocol          = "TCP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.tcp.arn
  }
}

resource "aws_alb_listener" "legacy" {
  load_balancer_arn = aws_alb.legacy.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_alb_target_group.legacy.arn
  }
}

# ---------------------------------------------------------------- classic load balancers
# Each with a health_check: moto returns none otherwise, and the provider's read crashes on that
# (AWS always returns one).

resource "aws_elb" "classic_min" {
  name               = "classic-min"
  availability_zones = ["us-east-1a"]
  listener {
    instance_port     = 80
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
  health_check {
    healthy_threshold   = 10
    unhealthy_threshold = 2
    timeout             = 5
    target              = "TCP:80"
    interval            = 30
  }
}

resource "aws_elb" "classic_full" {
  name_prefix     = "full-"
  subnets         = [aws_subnet.a.id]
  security_groups = [aws_security_group.lb.id]
  internal        = true
  listener {
    instance_port     = 8080
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
  listener {
    instance_port     = 8443
    instance_protocol = "tcp"
    lb_port           = 443
    lb_protocol       = "tcp"
  }
  health_check {
    healthy_threshold   = 2
    unhealthy_threshold = 3
    timeout             = 5
    target              = "HTTP:8080/health"
    interval            = 30
  }
  cross_zone_load_balancing   = true
  idle_timeout                = 120
  connection_draining         = true
  connection_draining_timeout = 300
  tags = {
    Env = "test"
  }
}
