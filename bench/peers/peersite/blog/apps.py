from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "peersite.blog"
    label = "blog"

    def ready(self):
        from django_comments.signals import comment_will_be_posted

        from peersite.blog.models import premoderate

        comment_will_be_posted.connect(premoderate, dispatch_uid="bench-premoderate")
